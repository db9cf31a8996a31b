CREATE TABLE "opinion_meetings" (
	"meeting_id" uuid PRIMARY KEY NOT NULL,
	"seq" integer DEFAULT 0 NOT NULL,
	"anonymous_allowed" boolean DEFAULT false NOT NULL,
	"floor_opinion_id" uuid,
	"floor_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "opinion_moderation_log" (
	"id" serial PRIMARY KEY NOT NULL,
	"meeting_id" uuid NOT NULL,
	"actor_member_id" uuid NOT NULL,
	"action" text NOT NULL,
	"opinion_id" uuid,
	"resident_id" uuid,
	"reason" text,
	"note" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "opinion_reports" (
	"opinion_id" uuid NOT NULL,
	"reporter_ref" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "opinion_reports_opinion_id_reporter_ref_pk" PRIMARY KEY("opinion_id","reporter_ref")
);
--> statement-breakpoint
CREATE TABLE "opinion_residents" (
	"resident_id" uuid PRIMARY KEY NOT NULL,
	"meeting_id" uuid NOT NULL,
	"muted_at" timestamp with time zone,
	"verified_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "opinion_seconds" (
	"opinion_id" uuid NOT NULL,
	"voter_ref" text NOT NULL,
	CONSTRAINT "opinion_seconds_opinion_id_voter_ref_pk" PRIMARY KEY("opinion_id","voter_ref")
);
--> statement-breakpoint
CREATE TABLE "opinions" (
	"id" uuid PRIMARY KEY NOT NULL,
	"meeting_id" uuid NOT NULL,
	"thread" text NOT NULL,
	"seq" integer NOT NULL,
	"rev" integer NOT NULL,
	"content_rev" integer NOT NULL,
	"parent_id" uuid,
	"depth" integer DEFAULT 0 NOT NULL,
	"replying_to" text,
	"stance" text,
	"text" text NOT NULL,
	"author_ref" text NOT NULL,
	"author_member_id" uuid,
	"author_resident_id" uuid,
	"author_name" text NOT NULL,
	"author_group_id" uuid,
	"verified" boolean DEFAULT false NOT NULL,
	"anonymous" boolean DEFAULT false NOT NULL,
	"client_key" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"edited_at" timestamp with time zone,
	"withdrawn_at" timestamp with time zone,
	"hidden_reason" text,
	"hidden_note" text,
	"hidden_by" uuid,
	"hidden_at" timestamp with time zone,
	"seconds" integer DEFAULT 0 NOT NULL,
	"reports" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "opinion_meetings" ADD CONSTRAINT "opinion_meetings_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opinion_moderation_log" ADD CONSTRAINT "opinion_moderation_log_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opinion_moderation_log" ADD CONSTRAINT "opinion_moderation_log_actor_member_id_members_id_fk" FOREIGN KEY ("actor_member_id") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opinion_reports" ADD CONSTRAINT "opinion_reports_opinion_id_opinions_id_fk" FOREIGN KEY ("opinion_id") REFERENCES "public"."opinions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opinion_residents" ADD CONSTRAINT "opinion_residents_resident_id_residents_id_fk" FOREIGN KEY ("resident_id") REFERENCES "public"."residents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opinion_residents" ADD CONSTRAINT "opinion_residents_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opinion_seconds" ADD CONSTRAINT "opinion_seconds_opinion_id_opinions_id_fk" FOREIGN KEY ("opinion_id") REFERENCES "public"."opinions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opinions" ADD CONSTRAINT "opinions_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opinions" ADD CONSTRAINT "opinions_author_member_id_members_id_fk" FOREIGN KEY ("author_member_id") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opinions" ADD CONSTRAINT "opinions_author_resident_id_residents_id_fk" FOREIGN KEY ("author_resident_id") REFERENCES "public"."residents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "opinions" ADD CONSTRAINT "opinions_hidden_by_members_id_fk" FOREIGN KEY ("hidden_by") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "opinion_moderation_log_meeting_idx" ON "opinion_moderation_log" USING btree ("meeting_id");--> statement-breakpoint
CREATE UNIQUE INDEX "opinions_meeting_seq_idx" ON "opinions" USING btree ("meeting_id","seq");--> statement-breakpoint
CREATE INDEX "opinions_thread_rev_idx" ON "opinions" USING btree ("meeting_id","thread","rev");--> statement-breakpoint
CREATE INDEX "opinions_thread_seq_idx" ON "opinions" USING btree ("meeting_id","thread","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "opinions_client_key_idx" ON "opinions" USING btree ("meeting_id","author_ref","client_key");