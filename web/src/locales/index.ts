// Every language of the web app, by its BCP 47 tag: the page builder and the browser share it.
import { en } from './en.ts'
import { ru } from './ru.ts'

export const LOCALES = { en, ru } as const
export type Locale = keyof typeof LOCALES
export type { MessageKey } from './en.ts'
