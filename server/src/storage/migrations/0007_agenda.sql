CREATE TABLE "agenda_item_runs" (
	"meeting_id" uuid NOT NULL,
	"item_id" text NOT NULL,
	"stage" text NOT NULL,
	"started_at" timestamp (3) with time zone,
	"ended_at" timestamp (3) with time zone,
	"spent_ms" integer DEFAULT 0 NOT NULL,
	"resumed_at" timestamp (3) with time zone,
	CONSTRAINT "agenda_item_runs_meeting_id_item_id_pk" PRIMARY KEY("meeting_id","item_id")
);
--> statement-breakpoint
CREATE TABLE "agenda_proposals" (
	"id" uuid PRIMARY KEY NOT NULL,
	"meeting_id" uuid NOT NULL,
	"proposer_id" uuid NOT NULL,
	"title" text NOT NULL,
	"details" text NOT NULL,
	"kind" text NOT NULL,
	"minutes" integer NOT NULL,
	"state" text NOT NULL,
	"reason" text,
	"item_id" text,
	"decided_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "agenda_runs" (
	"meeting_id" uuid PRIMARY KEY NOT NULL,
	"current_item_id" text,
	"version" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "agenda_item_runs" ADD CONSTRAINT "agenda_item_runs_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agenda_proposals" ADD CONSTRAINT "agenda_proposals_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agenda_proposals" ADD CONSTRAINT "agenda_proposals_proposer_id_members_id_fk" FOREIGN KEY ("proposer_id") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agenda_proposals" ADD CONSTRAINT "agenda_proposals_decided_by_members_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agenda_runs" ADD CONSTRAINT "agenda_runs_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "agenda_proposals_meeting_idx" ON "agenda_proposals" USING btree ("meeting_id");