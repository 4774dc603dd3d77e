CREATE TABLE "snapshots" (
	"image_id" bigint PRIMARY KEY NOT NULL,
	"instance_id" text NOT NULL,
	"description" text NOT NULL,
	"size_gb" double precision,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "snapshots" ADD CONSTRAINT "snapshots_instance_id_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."instances"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "snapshots_instance" ON "snapshots" USING btree ("instance_id","created_at");