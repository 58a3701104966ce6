export { checkNotifyMessage } from "./check-notify-message.js";
export { DEFAULT_NOTIFY_DEADLINE_MS, NotificationDeadline } from "./notification-deadline.js";
export {
  isNotifier,
  type Notifier,
  type NotifyMessage,
  type NotifyOptions,
  type NotifyResult,
} from "./notifier.js";
export {
  loadNotifier,
  type NotifyAllOptions,
  type NotifyOutcome,
  notifyAll,
} from "./notify-all.js";
export {
  type NotificationRequest,
  type NotificationResponse,
  parseRetryAfter,
  sendNotificationRequest,
} from "./send-notification-request.js";
export { Webhook } from "./webhook.js";
