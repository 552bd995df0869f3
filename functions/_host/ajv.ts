// Validation settings shared by the host and the OpenAPI builder: strict types, nothing altered.
export const AJV_OPTIONS = {
  customOptions: {
    // Fastify's defaults coerce "5" into 5 and drop unknown fields silently; the API promises neither.
    coerceTypes: false,
    removeAdditional: false,
    useDefaults: false,
    allErrors: false
  }
} as const
