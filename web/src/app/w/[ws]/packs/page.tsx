"use client";
import { useParams } from "next/navigation";
import { PacksList } from "@/components/packs/pack-pages";

export default function PacksPage() {
  const { ws } = useParams<{ ws: string }>();
  return <PacksList ws={ws} />;
}
