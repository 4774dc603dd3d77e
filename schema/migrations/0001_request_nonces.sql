CREATE TABLE "request_nonces" (
	"api_key" text NOT NULL,
	"nonce" text NOT NULL,
	"seen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "request_nonces_pkey" PRIMARY KEY("api_key","nonce")
);
--> statement-breakpoint
CREATE INDEX "request_nonces_seen_at" ON "request_nonces" USING btree ("seen_at");