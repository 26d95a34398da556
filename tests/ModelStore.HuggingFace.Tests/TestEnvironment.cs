namespace ModelStore.HuggingFace.Tests;

/// <summary>An environment reader over fixed values: tests never read nor change the process environment.</summary>
public static class TestEnvironment
{
    public static Func<string, string?> Of(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(variable => variable.Name, variable => variable.Value, StringComparer.Ordinal);
        return name => map.GetValueOrDefault(name);
    }

    public static Func<string, string?> Empty { get; } = _ => null;
}
