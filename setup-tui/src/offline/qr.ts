// A request as a QR code on a text console: the `qrcode` package computes the modules (QRCode.create,
// error correction level L: the code is read from a screen, not from worn paper), drawn here with
// half blocks so that one character is one module wide and two high (square modules on a console).
// Light modules and the quiet zone are drawn as blocks, dark ones as blanks: on a console's dark
// background the code reads dark on light, as scanners expect.
import QRCode from "qrcode";

export interface QrText {
  /** the lines, all of the same width */
  lines: string[];
  width: number;
  height: number;
}

const QUIET = 1;

export function qrLines(text: string): QrText {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: "L" });
  const size = modules.size;
  const light = (x: number, y: number) => x < 0 || y < 0 || x >= size || y >= size || !modules.get(x, y);
  const lines: string[] = [];
  for (let y = -QUIET; y < size + QUIET; y += 2) {
    let line = "";
    for (let x = -QUIET; x < size + QUIET; x++) {
      const top = light(x, y);
      const bottom = y + 1 < size + QUIET ? light(x, y + 1) : false;
      line += top && bottom ? "█" : top ? "▀" : bottom ? "▄" : " ";
    }
    lines.push(line);
  }
  return { lines, width: size + 2 * QUIET, height: lines.length };
}

/** The compact JWS in lines of at most `width` characters (whitespace is ignored when it is read back). */
export const wrapText = (text: string, width = 72): string[] => text.match(new RegExp(`.{1,${width}}`, "g")) ?? [];
