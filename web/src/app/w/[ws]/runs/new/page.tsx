"use client";
import { useParams } from "next/navigation";
import { NewRunForm } from "@/components/runs/new-run-form";

export default function NewRunPage() {
  const { ws } = useParams<{ ws: string }>();
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-semibold">New run</h1>
      <NewRunForm key={ws} ws={ws} />
    </div>
  );
}
