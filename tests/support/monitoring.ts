// The monitoring renderers and what they are rendered from, for the monitoring suite.
export { alertRules, dashboardPanels, METRICS, renderDashboard } from "../../components/ensemble/monitoring";
export { renderEnsemble } from "../../components/ensemble/objects";
export { resolveEnsembleSettings } from "../../components/ensemble/settings";
