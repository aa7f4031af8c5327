import '../main.css';
import { createApp } from 'vue';
import b24UiPlugin from '@bitrix24/b24ui-nuxt/vue-plugin';
import ApplyRoot from './ApplyRoot.vue';

const app = createApp(ApplyRoot);
app.use(b24UiPlugin);
app.mount('#app');
