// Subtitle overlay: filled in by the subtitle step.
"use strict";
