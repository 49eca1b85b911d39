import { pageUser } from "@/lib/auth/page";
import { DrillPage } from "@/components/drill/drill-page";

export default async function DrillRoute() {
  await pageUser("viewer");
  return <DrillPage />;
}
