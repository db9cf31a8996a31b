CREATE TABLE "floor_lists" (
	"meeting_id" uuid NOT NULL,
	"item_key" text NOT NULL,
	"closed" boolean DEFAULT false NOT NULL,
	CONSTRAINT "floor_lists_meeting_id_item_key_pk" PRIMARY KEY("meeting_id","item_key")
);
--> statement-breakpoint
CREATE TABLE "floor_requests" (
	"id" uuid PRIMARY KEY NOT NULL,
	"meeting_id" uuid NOT NULL,
	"item_key" text NOT NULL,
	"kind" text NOT NULL,
	"member_id" uuid,
	"resident_id" uuid,
	"name" text NOT NULL,
	"group_id" uuid,
	"added_by" uuid,
	"rank" double precision NOT NULL,
	"requested_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"state" text NOT NULL,
	"started_at" timestamp (3) with time zone,
	"limit_seconds" integer,
	"ended_at" timestamp (3) with time zone
);
--> statement-breakpoint
CREATE TABLE "floor_settings" (
	"meeting_id" uuid PRIMARY KEY NOT NULL,
	"residents_may_speak" boolean DEFAULT false NOT NULL,
	"limits" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "floor_lists" ADD CONSTRAINT "floor_lists_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "floor_requests" ADD CONSTRAINT "floor_requests_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "floor_requests" ADD CONSTRAINT "floor_requests_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "floor_requests" ADD CONSTRAINT "floor_requests_resident_id_residents_id_fk" FOREIGN KEY ("resident_id") REFERENCES "public"."residents"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "floor_requests" ADD CONSTRAINT "floor_requests_added_by_members_id_fk" FOREIGN KEY ("added_by") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "floor_settings" ADD CONSTRAINT "floor_settings_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "floor_requests_item_idx" ON "floor_requests" USING btree ("meeting_id","item_key","state");--> statement-breakpoint
CREATE UNIQUE INDEX "floor_requests_member_waiting" ON "floor_requests" USING btree ("meeting_id","item_key","member_id") WHERE state = 'waiting' AND member_id IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "floor_requests_resident_waiting" ON "floor_requests" USING btree ("meeting_id","item_key","resident_id") WHERE state = 'waiting' AND resident_id IS NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "floor_requests_one_speaker" ON "floor_requests" USING btree ("meeting_id") WHERE state = 'speaking';