// Entry point: theme first (no flash of the wrong colours), then the shell.

import "./style.css";
import { App } from "./app";
import { applyTheme } from "./theme";

applyTheme();
const root = document.getElementById("app");
if (root) void new App(root).render();
