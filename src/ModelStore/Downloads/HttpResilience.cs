using System.Net;
using System.Runtime.CompilerServices;
using Polly;
using Polly.Retry;

namespace ModelStore.Downloads;

/// <summary>
/// Bounded waits and retries for the HTTP-based stores (GitHub, the Hugging Face Hub, Azure Blob, plain URLs), built on Polly: every
/// request gets at most <see cref="HttpResilienceOptions.RequestTimeout"/> for its answer, and a <c>GET</c> or
/// <c>HEAD</c> that meets a transient failure is tried again with exponential backoff within that time. A request that
/// runs out of time throws <see cref="TimeoutException"/>, which <see cref="HttpStateErrors"/> turns into
/// <see cref="Stores.StateStoreError.Timeout"/>.
/// </summary>
/// <remarks>
/// One handler serves every store of a process; a store with its own settings puts them on each request with
/// <see cref="Configure"/>. Uploads (other methods) are bounded but never retried here: their bodies are streams.
/// </remarks>
public static class HttpResilience
{
    private static readonly HttpRequestOptionsKey<HttpResilienceOptions> OptionsKey = new("ModelStore.HttpResilience");

    /// <summary>A handler applying the options set on each request (else <paramref name="defaults"/>) in front of <paramref name="inner"/>.</summary>
    public static DelegatingHandler CreateHandler(HttpMessageHandler inner, HttpResilienceOptions? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        (defaults ?? HttpResilienceOptions.Default).Validate();
        return new ResilientHandler(defaults ?? HttpResilienceOptions.Default) { InnerHandler = inner };
    }

    /// <summary>Makes <paramref name="request"/> use <paramref name="options"/> when it goes through a handler from <see cref="CreateHandler"/>.</summary>
    public static void Configure(HttpRequestMessage request, HttpResilienceOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        request.Options.Set(OptionsKey, options);
    }

    /// <summary>Whether a request may be sent again after a failure: it has no body to send twice.</summary>
    private static bool IsRetriable(HttpRequestMessage request) => request.Method == HttpMethod.Get || request.Method == HttpMethod.Head;

    private sealed class ResilientHandler(HttpResilienceOptions defaults) : DelegatingHandler
    {
        private readonly ConditionalWeakTable<HttpResilienceOptions, ResiliencePipeline<HttpResponseMessage>> _pipelines = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var options = request.Options.TryGetValue(OptionsKey, out var own) ? own : defaults;
            var pipeline = IsRetriable(request) ? _pipelines.GetValue(options, Build) : ResiliencePipeline<HttpResponseMessage>.Empty;

            // The bound is a source of our own, not Polly's timeout strategy: the connection keeps a registration on the
            // token while the response body is read, and Polly pools its sources (a pooled source reused by a later
            // request that times out would cut this response). Disposing ours once the headers are in makes it inert,
            // as HttpClient does with its own timeout.
            using var bound = new CancellationTokenSource(options.RequestTimeout);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, bound.Token);
            try
            {
                return await pipeline.ExecuteAsync(
                    static async (state, token) => await state.Handler.SendCoreAsync(state.Request, token).ConfigureAwait(false),
                    (Handler: this, Request: request),
                    linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (bound.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new RequestTimeoutException(options.RequestTimeout, e);
            }
        }

        private static ResiliencePipeline<HttpResponseMessage> Build(HttpResilienceOptions options)
        {
            var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
            if (options.MaxRetries > 0)
            {
                builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
                {
                    MaxRetryAttempts = options.MaxRetries,
                    Delay = options.RetryDelay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    ShouldHandle = arguments => ValueTask.FromResult(IsTransient(arguments.Outcome, options.MaxRateLimitWait, arguments.Context.CancellationToken)),
                    DelayGenerator = static arguments => ValueTask.FromResult(HttpStateErrors.RetryAfter(arguments.Outcome.Result)),
                    OnRetry = static _ =>
                    {
                        Diagnostics.ModelStoreTelemetry.Retried("request");
                        return default;
                    },
                });
            }

            return builder.Build();
        }

        // A 429 or 503 asking to come back later than maxWait is the store's answer (RateLimited or Unreachable, with the
        // wait in the message), not something to sit out.
        private static bool IsTransient(Outcome<HttpResponseMessage> outcome, TimeSpan maxWait, CancellationToken cancellationToken) => outcome switch
        {
            { Exception: HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError or HttpRequestError.UserAuthenticationError or HttpRequestError.ConfigurationLimitExceeded } } => false,
            { Exception: HttpRequestException or IOException } => !cancellationToken.IsCancellationRequested,
            { Result: { } response } => response.StatusCode switch
            {
                HttpStatusCode.RequestTimeout or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout => true,
                HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable => HttpStateErrors.RetryAfter(response) is not { } wait || wait <= maxWait,
                _ => false,
            },
            _ => false,
        };

        private Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            base.SendAsync(request, cancellationToken);
    }
}

/// <summary>A request of <see cref="HttpResilience"/> got no answer within its bound, retries included.</summary>
internal sealed class RequestTimeoutException(TimeSpan bound, Exception inner)
    : TimeoutException($"the server gave no answer within {bound.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)} s (RequestTimeoutSeconds, retries included)", inner);
