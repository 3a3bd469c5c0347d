"use client";
import { useParams } from "next/navigation";
import { ProviderAccountsView } from "@/components/settings/deployments-view";

export default function Page() {
  const { ws } = useParams<{ ws: string }>();
  return <ProviderAccountsView ws={ws} />;
}
