"use client";
import { useParams } from "next/navigation";
import { DeploymentsView } from "@/components/settings/deployments-view";

export default function Page() {
  const { ws } = useParams<{ ws: string }>();
  return <DeploymentsView ws={ws} />;
}
