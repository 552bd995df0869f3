// BURNLINK_TOKEN: the API token sent with creates, for servers where creating needs an account.
export function tokenHeader (): Record<string, string> {
  const token = process.env.BURNLINK_TOKEN?.trim()
  return token === undefined || token === '' ? {} : { authorization: `Bearer ${token}` }
}
