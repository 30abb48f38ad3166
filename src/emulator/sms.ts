/** One SMS the emulator sent. */
export interface SmsMessage {
  /** The account the code is for. */
  user_id: string;
  /** The recipient (the account's username; the emulator has no phone numbers). */
  to: string;
  /** The message text, with the code. */
  text: string;
  /** The code alone. */
  code: string;
  /** When it was sent, epoch ms. */
  sent_at: number;
}

/** Delivers SMS codes. Plug in a real gateway in place of the outbox. */
export interface SmsSender {
  /** Sends `message`. */
  send(message: SmsMessage): Promise<void> | void;
}

/**
 * Keeps every SMS in memory so tests and developers can read the codes
 * (`GET /_emulator/sms`).
 *
 * @example
 * ```ts
 * import { SmsOutbox } from "@cirtusai/sdk/emulator";
 * const outbox = new SmsOutbox();
 * console.log(outbox.latest("user-id")?.code);
 * ```
 */
export class SmsOutbox implements SmsSender {
  /** Messages, oldest first. */
  readonly messages: SmsMessage[] = [];

  /** Records `message`. */
  send(message: SmsMessage): void {
    this.messages.push(message);
  }

  /** The newest message for `userId`, if any. */
  latest(userId: string): SmsMessage | undefined {
    return this.messages.findLast((m) => m.user_id === userId);
  }

  /** Forgets every message. */
  clear(): void {
    this.messages.length = 0;
  }
}
