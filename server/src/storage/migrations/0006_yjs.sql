CREATE TABLE "yjs_docs" (
	"room" text PRIMARY KEY NOT NULL,
	"head" bigint DEFAULT 0 NOT NULL,
	"snapshot" "bytea",
	"snapshot_seq" bigint DEFAULT 0 NOT NULL,
	"compacted_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "yjs_updates" (
	"room" text NOT NULL,
	"seq" bigint NOT NULL,
	"update" "bytea" NOT NULL,
	"stored_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "yjs_updates_room_seq_pk" PRIMARY KEY("room","seq")
);
