// The first-boot wizard: welcome → install code → admin password → redeem → apply → done.
// Enter continues, Esc goes back, Ctrl+C quits at any step (Ink's exitOnCtrlC).
import { useApp } from "ink";
import { useCallback, useMemo, useState } from "react";
import type { RedeemResult } from "../license-api.js";
import { applySteps, buildSeeds, type ApplyTarget } from "../seeds.js";
import { ApplyStep } from "./apply-step.js";
import { CodeStep } from "./code-step.js";
import { DoneStep } from "./done-step.js";
import { KeyRouter } from "./key-router.js";
import { PasswordStep } from "./password-step.js";
import { RedeemStep } from "./redeem-step.js";
import { WelcomeStep } from "./welcome-step.js";

export interface WizardProps {
  licenseUrl: string;
  applianceId: string;
  target: ApplyTarget;
  /** called once with the outcome when the wizard ends normally */
  onFinish?: (result: RedeemResult) => void;
}

type Step = "welcome" | "code" | "password" | "redeem" | "apply" | "done";

export function Wizard(props: WizardProps) {
  return (
    <KeyRouter>
      <Screens {...props} />
    </KeyRouter>
  );
}

function Screens({ licenseUrl, applianceId, target, onFinish }: WizardProps) {
  const { exit } = useApp();
  const [step, setStep] = useState<Step>("welcome");
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const [result, setResult] = useState<RedeemResult | null>(null);
  const [notes, setNotes] = useState<string[]>([]);

  const redeemed = useCallback((r: RedeemResult) => {
    setResult(r);
    setStep("apply");
  }, []);
  const applied = useCallback((n: string[]) => {
    setNotes(n);
    setStep("done");
  }, []);
  const steps = useMemo(
    () => (result ? applySteps(buildSeeds({ redeemed: result, adminPassword: password, applianceId, licenseUrl }), target) : []),
    [result, password, applianceId, licenseUrl, target],
  );

  switch (step) {
    case "welcome":
      return <WelcomeStep applianceId={applianceId} licenseUrl={licenseUrl} onNext={() => setStep("code")} />;
    case "code":
      return (
        <CodeStep
          initial={code.replace(/-/g, "")}
          onBack={() => setStep("welcome")}
          onNext={(c) => {
            setCode(c);
            setStep("password");
          }}
        />
      );
    case "password":
      return (
        <PasswordStep
          onBack={() => setStep("code")}
          onNext={(p) => {
            setPassword(p);
            setStep("redeem");
          }}
        />
      );
    case "redeem":
      return <RedeemStep licenseUrl={licenseUrl} installCode={code} applianceId={applianceId} onBack={() => setStep("code")} onSuccess={redeemed} />;
    case "apply":
      return <ApplyStep steps={steps} onDone={applied} />;
    case "done":
      return (
        <DoneStep
          result={result!}
          notes={notes}
          onExit={() => {
            onFinish?.(result!);
            exit();
          }}
        />
      );
  }
}
