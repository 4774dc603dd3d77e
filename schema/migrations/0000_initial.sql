CREATE TABLE "deliveries" (
	"key" text PRIMARY KEY NOT NULL,
	"instance_id" text NOT NULL,
	"operation_id" text NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"instance_id" text NOT NULL,
	"operation_id" text,
	"kind" text NOT NULL,
	"message" text NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"dedupe_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "instances" (
	"id" text PRIMARY KEY NOT NULL,
	"whmcs_service_id" integer NOT NULL,
	"whmcs_client_id" integer NOT NULL,
	"email" text NOT NULL,
	"plan" text NOT NULL,
	"region" text NOT NULL,
	"subdomain" text NOT NULL,
	"ssh_keys" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text NOT NULL,
	"server_id" bigint,
	"server_type" text,
	"location" text,
	"ip_address" text,
	"dns_record_id" text,
	"current_operation_id" text,
	"last_error" text,
	"openclaw_version" text,
	"operation_seq" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "operations" (
	"id" text PRIMARY KEY NOT NULL,
	"instance_id" text NOT NULL,
	"seq" integer NOT NULL,
	"type" text NOT NULL,
	"status" text NOT NULL,
	"args" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"idempotency_key" text,
	"request_hash" text,
	"workflow_id" text NOT NULL,
	"requested_by" text NOT NULL,
	"error" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "operations" ADD CONSTRAINT "operations_instance_id_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."instances"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "events_dedupe_key" ON "events" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "events_instance" ON "events" USING btree ("instance_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "instances_whmcs_service_id_key" ON "instances" USING btree ("whmcs_service_id");--> statement-breakpoint
CREATE UNIQUE INDEX "instances_subdomain_key" ON "instances" USING btree ("subdomain");--> statement-breakpoint
CREATE UNIQUE INDEX "operations_instance_idempotency_key" ON "operations" USING btree ("instance_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "operations_instance_seq" ON "operations" USING btree ("instance_id","seq");