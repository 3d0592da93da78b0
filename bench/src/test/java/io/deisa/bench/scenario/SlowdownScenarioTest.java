package io.deisa.bench.scenario;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SlowdownScenarioTest {

    @Test
    void theWarmUpIsFiveHundredSharesAtMostFiveThousandSteps() {
        assertThat(SlowdownScenario.warmupSteps(1)).isEqualTo(500);
        assertThat(SlowdownScenario.warmupSteps(10)).isEqualTo(5000);
        assertThat(SlowdownScenario.warmupSteps(250)).isEqualTo(5000);
    }
}
