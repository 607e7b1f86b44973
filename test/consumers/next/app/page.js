import Screen from './screen.js';

export default function Page() {
  return <Screen />;
}
