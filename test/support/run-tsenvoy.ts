// `tsenvoy` as a child process for tests, from wherever the tests were compiled to.
import { main } from '../../proxy/server/main';

main(process.argv.slice(2));
