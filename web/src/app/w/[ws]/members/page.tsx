"use client";
import { useParams } from "next/navigation";
import { MembersView } from "@/components/settings/members-view";
import { useSession } from "@/lib/session";

export default function MembersPage() {
  const { ws } = useParams<{ ws: string }>();
  const session = useSession();
  return <MembersView ws={ws} me={session.data?.user.id ?? ""} />;
}
