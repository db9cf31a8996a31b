CREATE TABLE "member_connections" (
	"id" uuid PRIMARY KEY NOT NULL,
	"meeting_id" uuid NOT NULL,
	"member_id" uuid NOT NULL,
	"instance_id" text NOT NULL,
	"arrived_at" timestamp with time zone DEFAULT now() NOT NULL,
	"departed_at" timestamp with time zone,
	"deliberate" boolean DEFAULT false NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "decisions" ADD COLUMN "attendance" jsonb;--> statement-breakpoint
ALTER TABLE "in_room_counts" ADD COLUMN "voters" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "member_connections" ADD CONSTRAINT "member_connections_meeting_id_meetings_id_fk" FOREIGN KEY ("meeting_id") REFERENCES "public"."meetings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "member_connections" ADD CONSTRAINT "member_connections_member_id_members_id_fk" FOREIGN KEY ("member_id") REFERENCES "public"."members"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "member_connections_meeting_idx" ON "member_connections" USING btree ("meeting_id");--> statement-breakpoint
CREATE INDEX "member_connections_instance_idx" ON "member_connections" USING btree ("instance_id");