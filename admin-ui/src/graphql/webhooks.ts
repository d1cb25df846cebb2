// 推送地址 (webhooks, #16): endpoints per organization, their delivery log and re-sending.
import { graphql } from '../generated'

export const WEBHOOK_FIELDS = graphql(`
  fragment WebhookFields on Webhook {
    id url events paused createdAt
    organization { id name }
    deliveries(first: 20) {
      id sequence event status statusLabel attempts lastError lastStatusCode nextAttemptAt createdAt deliveredAt
    }
  }
`)

export const WEBHOOKS = graphql(`
  query Webhooks($organization: ID) {
    webhooks(organization: $organization) { ...WebhookFields }
  }
`)

export const CREATE_WEBHOOK = graphql(`
  mutation CreateWebhook($input: WebhookInput!) {
    createWebhook(input: $input) { secret webhook { ...WebhookFields } }
  }
`)

export const PAUSE_WEBHOOK = graphql(`
  mutation PauseWebhook($id: ID!) {
    pauseWebhook(id: $id) { ...WebhookFields }
  }
`)

export const RESUME_WEBHOOK = graphql(`
  mutation ResumeWebhook($id: ID!) {
    resumeWebhook(id: $id) { ...WebhookFields }
  }
`)

export const DELETE_WEBHOOK = graphql(`
  mutation DeleteWebhook($id: ID!) {
    deleteWebhook(id: $id)
  }
`)

export const RESEND_WEBHOOK_DELIVERY = graphql(`
  mutation ResendWebhookDelivery($id: ID!) {
    resendWebhookDelivery(id: $id) { id status statusLabel attempts }
  }
`)
