#!/usr/bin/env node
import "../dist/cmd/nova-bundle-image.js";
