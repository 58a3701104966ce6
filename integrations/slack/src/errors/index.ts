export { SlackRejectedError } from "./slack-rejected-error.js";
