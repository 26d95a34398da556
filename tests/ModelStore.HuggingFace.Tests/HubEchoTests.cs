using System.Net;
using System.Net.Sockets;
using ModelStore.Stores;

namespace ModelStore.HuggingFace.Tests;

/// <summary>A server that echoes the request's headers in its error: the token never comes back to the user.</summary>
[TestClass]
public sealed class HubEchoTests : HubTestBase
{
    [TestMethod]
    public async Task A_server_echoing_the_authorization_header_gets_no_token_printed()
    {
        // Not shaped like hf_...: only the scrubber's knowledge of the store's own token can catch it.
        var token = $"opaque-{Guid.NewGuid():N}";
        using var echo = new HttpListener();
        var port = FreePort();
        echo.Prefixes.Add($"http://127.0.0.1:{port}/");
        echo.Start();
        var serving = Task.Run(async () =>
        {
            while (echo.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await echo.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                var headers = string.Join("; ", context.Request.Headers.AllKeys.Select(name => $"{name}: {context.Request.Headers[name]}"));
                context.Response.StatusCode = 400;
                context.Response.Headers["X-Error-Message"] = $"bad request, you sent {headers}";
                context.Response.Close();
            }
        });
        var store = CreateStore("acme/echo", options => { options.Endpoint = new Uri($"http://127.0.0.1:{port}/"); options.MaxRetries = 0; }, WithToken(token));

        var error = await Assert.ThrowsExactlyAsync<StateStoreException>(() => store.ResolveRevisionAsync(Cancel));
        echo.Stop();
        await serving;

        StringAssert.Contains(error.Message, "you sent", "The server's words are shown.");
        StringAssert.Contains(error.Message, "Authorization: Bearer ***");
        Assert.DoesNotContain(token, error.ToString());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
