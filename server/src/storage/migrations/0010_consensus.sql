CREATE TABLE "consensus_checks" (
	"id" uuid PRIMARY KEY NOT NULL,
	"meeting_id" uuid NOT NULL,
	"item_id" text NOT NULL,
	"state" text NOT NULL,
	"named" boolean NOT NULL,
	"residents" boolean NOT NULL,
	"rule" jsonb NOT NULL,
	"round" integer DEFAULT 1 NOT NULL,
	"proposal_version" integer DEFAULT 1 NOT NULL,
	"created_by" uuid,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	"outcome" jsonb,
	"poll_id" uuid
);
--> statement-breakpoint
CREATE TABLE "consensus_positions" (
	"check_id" uuid NOT NULL,
	"participant" text NOT NULL,
	"group_key" text NOT NULL,
	"level" integer NOT NULL,
	"idempotency_key" uuid NOT NULL,
	CONSTRAINT "consensus_positions_check_id_participant_pk" PRIMARY KEY("check_id","participant")
);
--> statement-breakpoint
CREATE TABLE "consensus_proposals" (
	"check_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"text" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "consensus_proposals_check_id_version_pk" PRIMARY KEY("check_id","version")
);
--> statement-breakpoint
CREATE TABLE "consensus_rounds" (
	"check_id" uuid NOT NULL,
	"round" integer NOT NULL,
	"proposal_version" integer NOT NULL,
	"aggregate" jsonb NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "consensus_rounds_check_id_round_pk" PRIMARY KEY("check_id","round")
);
--> statement-breakpoint
CREATE TABLE "consensus_statements" (
	"id" uuid PRIMARY KEY NOT NULL,
	"check_id" uuid NOT NULL,
	"member_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"text" text NOT NULL,
	"round" integer NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"posted_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "councils" ADD COLUMN "consensus_rule" jsonb;--> statement-breakpoint
ALTER TABLE "consensus_checks" ADD CONSTRAINT "consensus_checks_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consensus_checks" ADD CONSTRAINT "consensus_checks_created_by_members_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consensus_checks" ADD CONSTRAINT "consensus_checks_poll_id_polls_id_fk" FOREIGN KEY ("poll_id") REFERENCES "public"."polls"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consensus_positions" ADD CONSTRAINT "consensus_positions_check_id_consensus_checks_id_fk" FOREIGN KEY ("check_id") REFERENCES "public"."consensus_checks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consensus_proposals" ADD CONSTRAINT "consensus_proposals_check_id_consensus_checks_id_fk" FOREIGN KEY ("check_id") REFERENCES "public"."consensus_checks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consensus_rounds" ADD CONSTRAINT "consensus_rounds_check_id_consensus_checks_id_fk" FOREIGN KEY ("check_id") REFERENCES "public"."consensus_checks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consensus_statements" ADD CONSTRAINT "consensus_statements_check_id_consensus_checks_id_fk" FOREIGN KEY ("check_id") REFERENCES "public"."consensus_checks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consensus_statements" ADD CONSTRAINT "consensus_statements_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "consensus_checks_meeting_idx" ON "consensus_checks" USING btree ("meeting_id");--> statement-breakpoint
CREATE INDEX "consensus_statements_check_idx" ON "consensus_statements" USING btree ("check_id");