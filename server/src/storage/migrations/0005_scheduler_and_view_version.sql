CREATE SEQUENCE "public"."view_version" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 2000000000000 CACHE 1;--> statement-breakpoint
CREATE TABLE "deadlines" (
	"kind" text NOT NULL,
	"subject" text NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"claimed_at" timestamp with time zone,
	"claimed_by" text,
	"claim_token" uuid,
	"attempts" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "deadlines_kind_subject_pk" PRIMARY KEY("kind","subject")
);
--> statement-breakpoint
CREATE INDEX "deadlines_due_at_idx" ON "deadlines" USING btree ("due_at");