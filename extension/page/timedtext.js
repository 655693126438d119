// Page-world observer of the player's own caption requests (filled in by the subtitle step).
"use strict";
