import { DeployPage } from "@/components/deploy-page";

export default function Deploy() {
  return <DeployPage />;
}
