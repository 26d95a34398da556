using ModelStore.Downloads;

namespace ModelStore.Tests.Downloads;

[TestClass]
public sealed class UrlRedactionTests
{
    [TestMethod]
    [DataRow("http://user:secret@host:9000/bucket", "http://***@host:9000/bucket")]
    [DataRow("https://token@example.org/x.pt", "https://***@example.org/x.pt")]
    [DataRow("https://acct.blob.core.windows.net/c/b?sv=2024&sig=abc%2Bdef&se=1", "https://acct.blob.core.windows.net/c/b?sv=2024&sig=***&se=1")]
    [DataRow("https://s3/x?X-Amz-Credential=AKIA/1&X-Amz-Signature=ff", "https://s3/x?X-Amz-Credential=***&X-Amz-Signature=***")]
    [DataRow("see https://a:b@h/ and https://c:d@i/", "see https://***@h/ and https://***@i/")]
    [DataRow("https://example.org/plain.pt", "https://example.org/plain.pt")]
    public void Secrets_in_addresses_are_replaced(string text, string expected) =>
        Assert.AreEqual(expected, UrlRedaction.RedactText(text));

    [TestMethod]
    public void User_information_is_detected() =>
        Assert.IsTrue(UrlRedaction.HasUserInfo(new Uri("http://u:p@h/")) && !UrlRedaction.HasUserInfo(new Uri("http://h/")));
}
