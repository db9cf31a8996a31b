CREATE TABLE "ballot_box" (
	"id" uuid PRIMARY KEY NOT NULL,
	"poll_id" uuid NOT NULL,
	"electorate" text NOT NULL,
	"choice" jsonb NOT NULL,
	"receipt_hash" text,
	CONSTRAINT "ballot_box_receipt_hash_unique" UNIQUE("receipt_hash")
);
--> statement-breakpoint
CREATE TABLE "decisions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"meeting_id" uuid NOT NULL,
	"poll_id" uuid,
	"title" text NOT NULL,
	"outcome" jsonb NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "final_ballots" (
	"poll_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"electorate" text NOT NULL,
	"choice" jsonb NOT NULL,
	"voter_name" text,
	CONSTRAINT "final_ballots_poll_id_position_pk" PRIMARY KEY("poll_id","position")
);
--> statement-breakpoint
CREATE TABLE "in_room_counts" (
	"poll_id" uuid NOT NULL,
	"electorate" text NOT NULL,
	"ballots" integer NOT NULL,
	"counts" jsonb NOT NULL,
	"entered_by" uuid NOT NULL,
	"entered_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "in_room_counts_poll_id_electorate_pk" PRIMARY KEY("poll_id","electorate")
);
--> statement-breakpoint
CREATE TABLE "named_ballots" (
	"poll_id" uuid NOT NULL,
	"voter_key" text NOT NULL,
	"voter_name" text NOT NULL,
	"electorate" text NOT NULL,
	"choice" jsonb NOT NULL,
	CONSTRAINT "named_ballots_poll_id_voter_key_pk" PRIMARY KEY("poll_id","voter_key")
);
--> statement-breakpoint
CREATE TABLE "polls" (
	"id" uuid PRIMARY KEY NOT NULL,
	"meeting_id" uuid NOT NULL,
	"definition" jsonb NOT NULL,
	"state" text NOT NULL,
	"resident_access" text NOT NULL,
	"closes_at" timestamp with time zone,
	"agenda_item_id" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"result" jsonb
);
--> statement-breakpoint
CREATE TABLE "voter_roll" (
	"poll_id" uuid NOT NULL,
	"voter_key" text NOT NULL,
	"electorate" text NOT NULL,
	"idempotency_key" text NOT NULL,
	CONSTRAINT "voter_roll_poll_id_voter_key_pk" PRIMARY KEY("poll_id","voter_key")
);
--> statement-breakpoint
CREATE TABLE "voting_codes" (
	"id" uuid PRIMARY KEY NOT NULL,
	"meeting_id" uuid NOT NULL,
	"code_hash" text NOT NULL,
	"label" text,
	"issued_by" uuid,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "voting_codes_code_hash_unique" UNIQUE("code_hash")
);
--> statement-breakpoint
ALTER TABLE "ballot_box" ADD CONSTRAINT "ballot_box_poll_id_polls_id_fk" FOREIGN KEY ("poll_id") REFERENCES "public"."polls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_poll_id_polls_id_fk" FOREIGN KEY ("poll_id") REFERENCES "public"."polls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "final_ballots" ADD CONSTRAINT "final_ballots_poll_id_polls_id_fk" FOREIGN KEY ("poll_id") REFERENCES "public"."polls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "in_room_counts" ADD CONSTRAINT "in_room_counts_poll_id_polls_id_fk" FOREIGN KEY ("poll_id") REFERENCES "public"."polls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "in_room_counts" ADD CONSTRAINT "in_room_counts_entered_by_members_id_fk" FOREIGN KEY ("entered_by") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "named_ballots" ADD CONSTRAINT "named_ballots_poll_id_polls_id_fk" FOREIGN KEY ("poll_id") REFERENCES "public"."polls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "polls" ADD CONSTRAINT "polls_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "polls" ADD CONSTRAINT "polls_created_by_members_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voter_roll" ADD CONSTRAINT "voter_roll_poll_id_polls_id_fk" FOREIGN KEY ("poll_id") REFERENCES "public"."polls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voting_codes" ADD CONSTRAINT "voting_codes_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voting_codes" ADD CONSTRAINT "voting_codes_issued_by_members_id_fk" FOREIGN KEY ("issued_by") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ballot_box_poll_idx" ON "ballot_box" USING btree ("poll_id");--> statement-breakpoint
CREATE INDEX "decisions_meeting_idx" ON "decisions" USING btree ("meeting_id");--> statement-breakpoint
CREATE INDEX "polls_meeting_idx" ON "polls" USING btree ("meeting_id");--> statement-breakpoint
CREATE INDEX "voting_codes_meeting_idx" ON "voting_codes" USING btree ("meeting_id");