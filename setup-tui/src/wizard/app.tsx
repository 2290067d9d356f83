// The console. Setup: welcome → install code (checked locally, then its state with the service) →
// admin password (skipped when it could not take effect) → redeem → apply → done. Connect (upgrade in
// place): welcome → install code → connect → done. Enter continues, Esc goes back, Ctrl+C quits.
// Redeeming keeps a redemption key in settings.stateDir until the answer is applied, so a retry — or a
// new run after a crash — with the same code recovers an answer that was lost.
import { useApp } from "ink";
import { useEffect, useState } from "react";
import { inspectBinding, passwordTakesEffect, type Binding } from "../binding.js";
import type { SetupSettings } from "../config.js";
import { applyConnect, redemptionApplied, type Installed, type Redemption } from "../flows.js";
import type { InstallCodeStatus } from "../license-api.js";
import { keptRedemptionKey } from "../redemption-key.js";
import { applySteps, buildSeeds, type ApplyStep as Step } from "../seeds.js";
import { ApplyStep } from "./apply-step.js";
import { CheckStep } from "./check-step.js";
import { CodeStep } from "./code-step.js";
import { ConnectWelcomeStep } from "./connect-welcome-step.js";
import { DoneStep, type PasswordEffect } from "./done-step.js";
import { KeypressProvider, useHoldKeys } from "./keypress.js";
import { PasswordStep } from "./password-step.js";
import { RedeemStep } from "./redeem-step.js";
import { ServiceUrlStep } from "./service-url-step.js";
import { WelcomeStep } from "./welcome-step.js";
import { OfflineStep } from "./offline-step.js";
import { activationApplied, verifyActivationResponse, type VerifiedActivation } from "../offline/activation.js";
import { chainTip } from "../license/chain.js";

/** An offline activation as the done screen shows a redemption. */
const offlineRedemption = (v: VerifiedActivation): Redemption => ({
  redeemed: {
    tenantId: v.payload.tenantId,
    companyName: v.payload.companyName,
    contactEmail: v.payload.adminEmail,
    edition: v.payload.edition,
    firstJwt: v.payload.license,
    applianceCredential: v.payload.credential,
    checkInUrl: v.payload.checkInUrl,
    reinstalled: false,
    replayed: false,
  } as Redemption["redeemed"],
  keys: chainTip(v.chain),
  chain: v.chain,
  license: v.license,
  redeemedAt: new Date(v.payload.redeemedAt),
  applianceKey: v.applianceKey,
});

export type WizardSettings = Pick<
  SetupSettings,
  "command" | "licenseUrl" | "applianceId" | "stateDir" | "target" | "databaseUrl" | "vendorKeys" | "graceSeconds"
> &
  Partial<Pick<SetupSettings, "clock">>;

export interface WizardProps {
  settings: WizardSettings;
  /** called once with the outcome when the wizard ends normally */
  onFinish?: (r: Redemption) => void;
}

export function Wizard(props: WizardProps) {
  return <KeypressProvider>{props.settings.command === "connect" ? <Connect {...props} /> : <Setup {...props} />}</KeypressProvider>;
}

type SetupScreen = "welcome" | "service-url" | "code" | "check" | "password" | "redeem" | "apply" | "done" | "offline" | "offline-password" | "offline-apply";

function Setup({ settings, onFinish }: WizardProps) {
  const { exit } = useApp();
  const hold = useHoldKeys();
  const [screen, setScreen] = useState<SetupScreen>("welcome");
  const [licenseUrl, setLicenseUrl] = useState(settings.licenseUrl ?? "");
  const [binding, setBinding] = useState<Binding | null>(null);
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const [effect, setEffect] = useState<PasswordEffect>("yes");
  const [redemption, setRedemption] = useState<Redemption | null>(null);
  const [steps, setSteps] = useState<Step[]>([]);
  const [notes, setNotes] = useState<string[]>([]);
  const [responseFile, setResponseFile] = useState("");
  const go = (next: SetupScreen) => {
    hold();
    setScreen(next);
  };

  useEffect(() => {
    let live = true;
    void inspectBinding({ databaseUrl: settings.databaseUrl, target: settings.target }).then((b) => live && setBinding(b));
    return () => void (live = false);
  }, [settings.databaseUrl, settings.target]);

  const checked = (status: InstallCodeStatus | null) => {
    const e: PasswordEffect = status && binding ? passwordTakesEffect(binding, status.tenantId) : binding?.kind === "fresh" ? "yes" : "unsure";
    setEffect(e);
    go(e === "no" ? "redeem" : "password");
  };

  switch (screen) {
    case "welcome":
      return (
        <WelcomeStep
          applianceId={settings.applianceId}
          licenseUrl={licenseUrl}
          binding={binding}
          onNext={() => go("code")}
          onChangeUrl={() => go("service-url")}
        />
      );
    case "service-url":
      return (
        <ServiceUrlStep
          current={licenseUrl}
          onDone={(url) => {
            if (url) setLicenseUrl(url);
            go("welcome");
          }}
        />
      );
    case "code":
      return (
        <CodeStep
          flow="setup"
          initial={code.replace(/-/g, "")}
          onBack={() => go("welcome")}
          onNext={(c) => {
            setCode(c);
            go("check");
          }}
        />
      );
    case "check":
      return (
        <CheckStep
          flow="setup"
          licenseUrl={licenseUrl}
          installCode={code}
          binding={binding}
          earlierAttempt={keptRedemptionKey(settings.stateDir, code, settings.applianceId)}
          onBack={() => go("code")}
          onOk={checked}
          onOffline={() => go("offline")}
        />
      );
    case "offline":
      return (
        <OfflineStep
          settings={settings}
          installCode={code}
          onBack={() => go("code")}
          onVerified={(file) => {
            setResponseFile(file);
            go("offline-password");
          }}
        />
      );
    case "offline-password":
      return (
        <PasswordStep
          kept={password}
          onBack={() => go("offline")}
          onNext={(p) => {
            setPassword(p);
            void verifyActivationResponse({
              responseFile,
              applianceId: settings.applianceId,
              stateDir: settings.stateDir,
              vendorKeys: settings.vendorKeys,
              graceSeconds: settings.graceSeconds,
              clock: settings.clock,
              adminPassword: p,
              licenseUrl: licenseUrl || undefined,
            }).then(
              (v) => {
                setRedemption(offlineRedemption(v));
                setEffect(binding?.kind === "bootstrapped" ? "unsure" : "yes");
                setSteps(applySteps(v.seeds, settings.target));
                go("offline-apply");
              },
              () => go("offline"),
            );
          }}
        />
      );
    case "offline-apply":
      return (
        <ApplyStep
          steps={steps}
          onDone={(n) => {
            activationApplied(settings.stateDir);
            setNotes([...n, "activated offline: renew by file with alga-license renewal-request / import"]);
            go("done");
          }}
        />
      );
    case "password":
      return (
        <PasswordStep
          kept={password}
          onBack={() => go("code")}
          onNext={(p) => {
            setPassword(p);
            go("redeem");
          }}
        />
      );
    case "redeem":
      return (
        <RedeemStep
          flow="setup"
          step="redeem"
          plan={{
            licenseUrl,
            installCode: code,
            applianceId: settings.applianceId,
            databaseUrl: settings.databaseUrl,
            anchors: settings.vendorKeys,
            graceSeconds: settings.graceSeconds,
            stateDir: settings.stateDir,
            clock: settings.clock,
          }}
          onBack={() => go("code")}
          onSuccess={(r) => {
            // the seeds carry the password only when it can still take effect
            const final: PasswordEffect =
              effect === "no" ? "no" : binding ? (passwordTakesEffect(binding, r.redeemed.tenantId) === "yes" ? "yes" : effect) : effect;
            setEffect(final);
            setRedemption(r);
            setSteps(
              applySteps(
                buildSeeds({
                  redeemed: r.redeemed,
                  adminPassword: final === "no" ? undefined : password,
                  applianceId: settings.applianceId,
                  licenseUrl,
                  vendorKeys: r.keys,
                  redeemedAt: r.redeemedAt,
                  applianceKey: r.applianceKey.privateJwk,
                }),
                settings.target,
              ),
            );
            go("apply");
          }}
        />
      );
    case "apply":
      return (
        <ApplyStep
          steps={steps}
          onDone={(n) => {
            redemptionApplied({ stateDir: settings.stateDir, installCode: code, applianceId: settings.applianceId });
            setNotes(n);
            go("done");
          }}
        />
      );
    case "done":
      return (
        <DoneStep
          flow="setup"
          redemption={redemption!}
          notes={notes}
          password={effect}
          onExit={() => {
            onFinish?.(redemption!);
            exit();
          }}
        />
      );
  }
}

type ConnectScreen = "welcome" | "code" | "check" | "connect" | "done";

function Connect({ settings, onFinish }: WizardProps) {
  const { exit } = useApp();
  const hold = useHoldKeys();
  const [screen, setScreen] = useState<ConnectScreen>("welcome");
  const [installed, setInstalled] = useState<Installed | null>(null);
  const [code, setCode] = useState("");
  const [redemption, setRedemption] = useState<Redemption | null>(null);
  const [notes, setNotes] = useState<string[]>([]);
  const go = (next: ConnectScreen) => {
    hold();
    setScreen(next);
  };
  switch (screen) {
    case "welcome":
      return (
        <ConnectWelcomeStep
          databaseUrl={settings.databaseUrl!}
          licenseUrl={settings.licenseUrl}
          applianceId={settings.applianceId || undefined}
          vendorKeys={settings.vendorKeys}
          onNext={(i) => {
            setInstalled(i);
            go("code");
          }}
          onQuit={() => exit()}
        />
      );
    case "code":
      return (
        <CodeStep
          flow="connect"
          initial={code.replace(/-/g, "")}
          onBack={() => go("welcome")}
          onNext={(c) => {
            setCode(c);
            go("check");
          }}
        />
      );
    case "check":
      return (
        <CheckStep
          flow="connect"
          licenseUrl={installed!.licenseUrl}
          installCode={code}
          connectTenant={{ tenantId: installed!.row.tenant_id, companyName: installed!.row.company_name }}
          earlierAttempt={keptRedemptionKey(settings.stateDir, code, installed!.applianceId)}
          onBack={() => go("code")}
          onOk={() => go("connect")}
        />
      );
    case "connect":
      return (
        <RedeemStep
          flow="connect"
          step="connect"
          plan={{
            licenseUrl: installed!.licenseUrl,
            installCode: code,
            applianceId: installed!.applianceId,
            tenantId: installed!.row.tenant_id,
            trust: installed!.trust,
            applianceKey: installed!.applianceKey,
            anchors: settings.vendorKeys,
            graceSeconds: settings.graceSeconds,
            stateDir: settings.stateDir,
            clock: settings.clock,
          }}
          then={async (r) => {
            const notes = await applyConnect(settings.databaseUrl!, installed!, r, settings.target, { vendorKeys: settings.vendorKeys, clock: settings.clock });
            redemptionApplied({ stateDir: settings.stateDir, installCode: code, applianceId: installed!.applianceId });
            return notes;
          }}
          onBack={() => go("code")}
          onSuccess={(r, n) => {
            setRedemption(r);
            setNotes(n);
            go("done");
          }}
        />
      );
    case "done":
      return (
        <DoneStep
          flow="connect"
          redemption={redemption!}
          notes={notes}
          password="untouched"
          onExit={() => {
            onFinish?.(redemption!);
            exit();
          }}
        />
      );
  }
}
