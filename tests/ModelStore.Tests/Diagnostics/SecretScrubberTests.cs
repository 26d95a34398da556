using ModelStore.Diagnostics;
using ModelStore.Stores;

namespace ModelStore.Tests.Diagnostics;

/// <summary>Credential values and token shapes never reach a message; a server's control characters never reach a terminal.</summary>
[TestClass]
public sealed class SecretScrubberTests
{
    [TestMethod]
    public void Values_of_the_environment_and_of_the_token_file_are_removed_wherever_they_appear()
    {
        var secret = $"client-secret-{Guid.NewGuid():N}";
        var fileToken = $"file-token-{Guid.NewGuid():N}";
        var tokenFile = Path.GetTempFileName();
        File.WriteAllText(tokenFile, fileToken + "\n");
        try
        {
            Environment.SetEnvironmentVariable("AZURE_CLIENT_SECRET", secret);
            Environment.SetEnvironmentVariable("HF_TOKEN_PATH", tokenFile);

            var scrubbed = SecretScrubber.Scrub($"server said: secret={secret}, token {fileToken}; X-Secret: {secret}");

            Assert.DoesNotContain(secret, scrubbed);
            Assert.DoesNotContain(fileToken, scrubbed);
            StringAssert.Contains(scrubbed, "server said: secret=***");
        }
        finally
        {
            Environment.SetEnvironmentVariable("AZURE_CLIENT_SECRET", null);
            Environment.SetEnvironmentVariable("HF_TOKEN_PATH", null);
            File.Delete(tokenFile);
        }
    }

    [TestMethod]
    public void A_registered_user_and_token_pair_is_removed_as_a_whole_as_its_token_and_as_its_Basic_encoding()
    {
        var token = $"t0k3n{Guid.NewGuid():N}";
        SecretScrubber.Register($"alice:{token}");
        var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"alice:{token}"));

        var scrubbed = SecretScrubber.Scrub($"echo: alice:{token} | {token} | {basic}");

        Assert.DoesNotContain(token, scrubbed);
        Assert.DoesNotContain(basic, scrubbed);
    }

    [TestMethod]
    [DataRow("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc123", "eyJhbGciOiJIUzI1NiJ9")]
    [DataRow("Authorization: Basic YWxpY2U6c2VjcmV0MTIz", "YWxpY2U6c2VjcmV0MTIz")]
    [DataRow("the token hf_AbCdEfGhIjKlMnOpQrStUv was refused", "hf_AbCdEfGhIjKlMnOpQrStUv")]
    [DataRow("ghp_0123456789abcdefghijABCDEFGHIJ01 and github_pat_11ABCDEFG0123456789_abcdefghijklmnop", "ghp_0123456789abcdefghijABCDEFGHIJ01")]
    [DataRow("DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=bm90LWEtcmVhbC1rZXk=;EndpointSuffix=core.windows.net", "bm90LWEtcmVhbC1rZXk=")]
    [DataRow("https://acme.blob.core.windows.net/c/b?sv=2024&sig=c2lnbmF0dXJl", "c2lnbmF0dXJl")]
    public void Token_shapes_are_removed_without_knowing_their_values(string text, string secret)
    {
        var scrubbed = SecretScrubber.Scrub(text);

        Assert.DoesNotContain(secret, scrubbed);
        StringAssert.Contains(scrubbed, "***");
    }

    [TestMethod]
    public void Ordinary_words_survive()
    {
        const string text = "Basic authentication failed: set HF_TOKEN to an access token (https://huggingface.co/settings/tokens).";

        Assert.AreEqual(text, SecretScrubber.Scrub(text));
    }

    [TestMethod]
    public void Control_characters_and_bidirectional_overrides_are_escaped()
    {
        var sanitized = UntrustedText.Sanitize("pytorch/a.b\u001b[2J\u001b]0;pwned\u0007\r\nerror MST0001: fake\u202Etxt.exe");

        Assert.AreEqual("pytorch/a.b\\x1B[2J\\x1B]0;pwned\\x07\\x0D\\x0Aerror MST0001: fake\\u202Etxt.exe", sanitized);
        Assert.AreEqual("line one\nline two", UntrustedText.Sanitize("line one\nline two", keepLineBreaks: true));
    }

    [TestMethod]
    public void A_store_error_built_from_a_server_body_is_scrubbed_and_sanitized()
    {
        var token = $"hf_{Guid.NewGuid():N}";

        var error = new StateStoreException(StateStoreError.AccessDenied, $"The Hub said: \"bad request; you sent Authorization: Bearer {token}\u001b[31m\"");

        Assert.DoesNotContain(token, error.Message);
        Assert.DoesNotContain("\u001b", error.Message);
        StringAssert.Contains(error.Message, "Bearer ***");
    }
}
