// SPDX-License-Identifier: MIT
/* homevitalsd: the gateway daemon (event loop wiring lands with the BlueZ issue). */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "homevitalsd: not yet wired\n");
	return 1;
}
