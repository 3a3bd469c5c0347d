"use client";
import { useParams } from "next/navigation";
import { SecretsView } from "@/components/settings/secrets-view";

export default function Page() {
  const { ws } = useParams<{ ws: string }>();
  return <SecretsView ws={ws} />;
}
