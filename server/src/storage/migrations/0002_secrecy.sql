CREATE TABLE "ballot_pending" (
	"id" uuid PRIMARY KEY NOT NULL,
	"poll_id" uuid NOT NULL,
	"electorate" text NOT NULL,
	"choice" jsonb NOT NULL,
	"receipt_hash" text,
	CONSTRAINT "ballot_pending_receipt_hash_unique" UNIQUE("receipt_hash")
);
--> statement-breakpoint
ALTER TABLE "ballot_pending" ADD CONSTRAINT "ballot_pending_poll_id_polls_id_fk" FOREIGN KEY ("poll_id") REFERENCES "public"."polls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ballot_pending_poll_idx" ON "ballot_pending" USING btree ("poll_id");