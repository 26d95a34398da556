// Members that .NET 9 and 10 added and the libraries use, for their net8.0 builds. Compiled into each
// runtime library (src/Directory.Build.props); on net9.0 and later it is empty.
#if !NET9_0_OR_GREATER
namespace System;

internal static class Net8Polyfills
{
    extension(Convert)
    {
        /// <summary>Lower-case hexadecimal text of <paramref name="bytes"/> (.NET 9's <c>Convert.ToHexStringLower</c>).</summary>
        public static string ToHexStringLower(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

        /// <summary>Lower-case hexadecimal text of <paramref name="bytes"/> (.NET 9's <c>Convert.ToHexStringLower</c>).</summary>
        public static string ToHexStringLower(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();
    }
}
#endif
