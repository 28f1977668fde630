// Golden Thread's only script. Pages work without it; it adds GOV.UK Frontend's
// enhancements (error summary focus, skip link, service navigation toggle on phones).
// Loaded as an ES module, so browsers too old for GOV.UK Frontend never run it.
import { initAll } from "./govuk-frontend.min.js";

// GOV.UK Frontend's CSS hides its JS-only parts until these classes are on <body>.
// They would normally come from an inline script, which our Content Security Policy forbids.
document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
