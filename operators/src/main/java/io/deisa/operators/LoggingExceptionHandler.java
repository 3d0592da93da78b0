package io.deisa.operators;

import io.deisa.analytics.ExceptionHandler;
import io.deisa.analytics.Windows;

import org.apache.flink.annotation.Internal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link ExceptionHandler}: logs the exception at WARN with the callback and the
 * timestep, and the run continues.
 *
 * <pre>{@code
 * ExceptionHandler handler = new LoggingExceptionHandler("callback #0 (MeanTemperature)");
 * }</pre>
 */
@Internal
public final class LoggingExceptionHandler implements ExceptionHandler {

    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(LoggingExceptionHandler.class);

    private final String callbackName;

    /**
     * @param callbackName the callback whose exceptions this handler logs, as shown in the log
     */
    public LoggingExceptionHandler(String callbackName) {
        this.callbackName = callbackName;
    }

    @Override
    public void handle(Exception error, Windows windows) {
        LOG.warn(
                "{} failed at timestep {}; the run continues",
                callbackName,
                windows.timestep(),
                error);
    }
}
