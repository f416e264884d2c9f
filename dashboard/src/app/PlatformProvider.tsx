import { QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { PlatformContext, type Platform } from "./platform";

export function PlatformProvider({ platform, children }: { platform: Platform; children: ReactNode }) {
  return (
    <PlatformContext.Provider value={platform}>
      <QueryClientProvider client={platform.queryClient}>{children}</QueryClientProvider>
    </PlatformContext.Provider>
  );
}
