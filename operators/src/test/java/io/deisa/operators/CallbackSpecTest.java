package io.deisa.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deisa.analytics.AnalyticsCallback;
import io.deisa.analytics.CallbackContext;
import io.deisa.analytics.ExceptionHandler;
import io.deisa.analytics.WindowSpec;
import io.deisa.analytics.When;
import io.deisa.analytics.Windows;

import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

class CallbackSpecTest {

    /** A named callback class. */
    static final class MeanTemperature implements AnalyticsCallback {
        @Override
        public void call(Windows windows, CallbackContext context) {}
    }

    private static final List<WindowSpec> T_AND_P =
            List.of(WindowSpec.of("T"), WindowSpec.of("P", 3));

    @Test
    void nameShowsIndexAndCallbackClass() {
        assertThat(CallbackSpec.of(2, new MeanTemperature(), T_AND_P, When.AND, null).name())
                .isEqualTo("callback #2 (CallbackSpecTest$MeanTemperature)");
        AnalyticsCallback lambda = (windows, context) -> {};
        assertThat(CallbackSpec.of(0, lambda, T_AND_P, When.AND, null).name())
                .isEqualTo("callback #0 (lambda in CallbackSpecTest)");
    }

    @Test
    void defaultsToTheLoggingHandlerAndKeepsAGivenOne() {
        assertThat(CallbackSpec.of(0, new MeanTemperature(), T_AND_P, When.OR, null).handler())
                .isInstanceOf(LoggingExceptionHandler.class);
        ExceptionHandler ignore = (error, windows) -> {};
        assertThat(CallbackSpec.of(0, new MeanTemperature(), T_AND_P, When.OR, ignore).handler())
                .isSameAs(ignore);
    }

    @Test
    void rejectsNoArraysAndArraysRequestedTwice() {
        assertThatThrownBy(
                        () -> CallbackSpec.of(0, new MeanTemperature(), List.of(), When.AND, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("callback #0")
                .hasMessageContaining("at least one array");
        assertThatThrownBy(
                        () ->
                                CallbackSpec.of(
                                        1,
                                        new MeanTemperature(),
                                        List.of(WindowSpec.of("T"), WindowSpec.of("T", 2)),
                                        When.AND,
                                        null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("requests array 'T' more than once");
    }

    @Test
    void andNeedsEveryArrayNewOrNeedsOneNewAndEverySeen() {
        CallbackSpec and = CallbackSpec.of(0, new MeanTemperature(), T_AND_P, When.AND, null);
        CallbackSpec or = CallbackSpec.of(1, new MeanTemperature(), T_AND_P, When.OR, null);
        Set<String> seen = Set.of("T", "P");

        assertThat(and.isTriggered(Set.of("T", "P")::contains, seen::contains)).isTrue();
        assertThat(and.isTriggered(Set.of("T")::contains, seen::contains)).isFalse();
        assertThat(or.isTriggered(Set.of("T")::contains, seen::contains)).isTrue();
        assertThat(or.isTriggered(Set.of("T")::contains, Set.of("T")::contains)).isFalse();
        assertThat(or.isTriggered(Set.<String>of()::contains, seen::contains)).isFalse();
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        CallbackSpec spec = CallbackSpec.of(3, new MeanTemperature(), T_AND_P, When.OR, null);
        CallbackSpec copy = InstantiationUtil.clone(spec);
        assertThat(copy.name()).isEqualTo(spec.name());
        assertThat(copy.arrays()).isEqualTo(T_AND_P);
        assertThat(copy.when()).isEqualTo(When.OR);
        assertThat(copy.callback()).isInstanceOf(MeanTemperature.class);
        assertThat(copy.handler()).isInstanceOf(LoggingExceptionHandler.class);
    }
}
