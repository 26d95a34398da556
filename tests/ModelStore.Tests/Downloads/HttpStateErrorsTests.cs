using System.Net;
using System.Net.Http.Headers;
using ModelStore.Downloads;
using ModelStore.Stores;

namespace ModelStore.Tests.Downloads;

/// <summary>The one status table and the one Retry-After reader every store uses.</summary>
[TestClass]
public sealed class HttpStateErrorsTests
{
    [TestMethod]
    [DataRow(401, StateStoreError.AccessDenied)]
    [DataRow(403, StateStoreError.AccessDenied)]
    [DataRow(404, StateStoreError.NotFound)]
    [DataRow(410, StateStoreError.NotFound)]
    [DataRow(412, StateStoreError.IntegrityMismatch)]
    [DataRow(429, StateStoreError.RateLimited)]
    [DataRow(408, StateStoreError.Timeout)]
    [DataRow(504, StateStoreError.Timeout)]
    [DataRow(503, StateStoreError.Unreachable)]
    [DataRow(500, StateStoreError.Unreachable)]
    [DataRow(400, StateStoreError.InvalidContent)]
    public void Each_status_has_one_meaning_for_every_store(int status, StateStoreError expected)
    {
        using var response = new HttpResponseMessage((HttpStatusCode)status);

        Assert.AreEqual(expected, HttpStateErrors.ErrorOf(status));
        Assert.AreEqual(expected, HttpStateErrors.FromStatus(response, "download of x")!.Error);
    }

    [TestMethod]
    public void Retry_after_is_read_from_seconds_a_date_or_an_exhausted_rate_limit_window()
    {
        using var seconds = new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Headers = { RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(7)) } };
        using var past = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Headers = { RetryAfter = new RetryConditionHeaderValue(DateTimeOffset.UtcNow.AddMinutes(-1)) } };
        using var window = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        window.Headers.TryAddWithoutValidation("RateLimit", "\"api\";r=0;t=55");
        using var remaining = new HttpResponseMessage(HttpStatusCode.InternalServerError);
        remaining.Headers.TryAddWithoutValidation("RateLimit", "\"api\";r=12;t=55");

        Assert.AreEqual(TimeSpan.FromSeconds(7), HttpStateErrors.RetryAfter(seconds));
        Assert.AreEqual(TimeSpan.Zero, HttpStateErrors.RetryAfter(past));
        Assert.AreEqual(TimeSpan.FromSeconds(55), HttpStateErrors.RetryAfter(window));
        Assert.IsNull(HttpStateErrors.RetryAfter(remaining), "A window with requests left asks for no wait.");
        StringAssert.Contains(HttpStateErrors.FromStatus(seconds, "download of x")!.Message, "retry in 7 s");
    }
}
