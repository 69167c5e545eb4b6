// The loan task of notebooks/loan-payment.ipynb and the model's answer to it, scripted for the
// fake model server: the plan, and code that prints the monthly payment. The plan's last step
// carries HTML and a script, as a hostile or confused model might write: the page must show
// them as text.
import { answer, type ReplyScenario } from "../../support/fake-model-server.js";

const LOAN_CODE = "r = rate / 12\nn = years * 12\npayment = principal * r / (1 - (1 + r) ** -n)\nprint(f'{payment:.2f}')";
/** 250000 at 5% for 30 years; at 7%. */
export const PAYMENT_5 = "1342.05";
export const PAYMENT_7 = "1663.26";
const HOSTILE_STEP = `Show the result <img src=x onerror="window.__luciXss='img'"> <script>window.__luciXss='script'</script>`;

/**
 * The monthly payment on `principal` at the yearly `rate` over `years`, to the cent as the loan
 * code prints it: computed here, not by the code under test.
 */
export function loanPayment(rate: number, principal = 250000, years = 30): string {
  const r = rate / 12;
  const n = years * 12;
  return ((principal * r) / (1 - (1 + r) ** -n)).toFixed(2);
}

export function loanAnswer(): ReplyScenario {
  return {
    ...answer({
      analysis: { task_type: "calculation", needs_web_interface: false, needs_simulation: false, data_sources: [], complexity: "simple" },
      plan: {
        steps: [
          { step: 1, action: "Convert the yearly rate to a monthly rate and the years to months", inputs: ["rate", "years"], outputs: ["r", "n"] },
          { step: 2, action: "Apply the annuity formula to the principal", inputs: ["principal", "r", "n"], outputs: ["payment"] },
          { step: 3, action: HOSTILE_STEP, inputs: ["payment"], outputs: [] },
        ],
      },
      code: LOAN_CODE,
    }),
    label: "loan",
    when: (request) => JSON.stringify(request.messages).includes("Monthly payment on a loan"),
  };
}
