// No favicon file: the icon is empty, so the browser asks the server for nothing it lacks.
export const metadata = { title: 'Veil in a Next.js app', icons: { icon: 'data:,' } };

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
