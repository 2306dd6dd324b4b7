/* SPDX-License-Identifier: MIT */
#pragma once

#define HV_VERSION "0.1.0"
