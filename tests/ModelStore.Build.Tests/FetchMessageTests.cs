using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Build.Framework;

namespace ModelStore.Build.Tests;

/// <summary>
/// The task's messages read the same in every build shape. A message logged in an MSBuild worker node (a multi-node
/// build, `-m`) reaches the central logger with its arguments turned into strings, so a format item such as
/// <c>{3:0.0}</c> on a number is lost there (`in 0.8351076 s`): every argument must already be text.
/// </summary>
[TestClass]
public sealed partial class FetchMessageTests
{
    private static readonly PropertyInfo RawArguments =
        typeof(LazyFormattedBuildEventArgs).GetProperty("RawArguments", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)!;

    [TestMethod]
    public void The_fetch_message_carries_only_text_arguments_and_one_decimal_seconds()
    {
        using var sandbox = new TaskSandbox();
        sandbox.Publish("pytorch/tiny-mlp.digits.v1", 50_000);

        var (success, _, engine) = sandbox.Run([TaskSandbox.State("pytorch/tiny-mlp.digits.v1")]);

        Assert.IsTrue(success, engine.Log);
        var fetched = engine.Messages.Single(message => message.Message!.StartsWith("ModelStore: fetched", StringComparison.Ordinal));
        Assert.MatchesRegex(FetchedIn(), fetched.Message!);
        foreach (var message in engine.Messages)
        {
            var arguments = (object?[]?)RawArguments.GetValue(message) ?? [];
            Assert.IsTrue(arguments.All(argument => argument is null or string), $"'{message.Message}' has arguments of types {string.Join(", ", arguments.Select(argument => argument?.GetType().Name))}");
        }
    }

    [GeneratedRegex(@"^ModelStore: fetched \S+ from store 'local': 48\.8 KB in [0-9]+\.[0-9] s \([0-9]+\.[0-9] MB/s\), SHA-256 [0-9a-f]{64}\.$")]
    private static partial Regex FetchedIn();
}
