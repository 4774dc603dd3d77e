CREATE TABLE "billing_events" (
	"source" text NOT NULL,
	"event_id" text NOT NULL,
	"type" text NOT NULL,
	"subscription_id" text,
	"occurred_at" timestamp with time zone NOT NULL,
	"payload_hash" text NOT NULL,
	"outcome" text NOT NULL,
	"meaning" text,
	"reason" text,
	"instance_id" text,
	"deliveries" integer DEFAULT 1 NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "billing_events_pkey" PRIMARY KEY("source","event_id")
);
--> statement-breakpoint
ALTER TABLE "instances" ALTER COLUMN "whmcs_service_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "instances" ALTER COLUMN "whmcs_client_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "billing_source" text DEFAULT 'whmcs' NOT NULL;--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "billing_ref" text;--> statement-breakpoint
-- Hand-added: every existing instance came from WHMCS; its reference is the service id.
UPDATE "instances" SET "billing_ref" = "whmcs_service_id"::text WHERE "billing_ref" IS NULL AND "whmcs_service_id" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "billing_customer" text;--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "billing_state" text DEFAULT 'current' NOT NULL;--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "grace_until" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "billing_events_subscription" ON "billing_events" USING btree ("source","subscription_id","occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "instances_billing_reference_key" ON "instances" USING btree ("billing_source","billing_ref");