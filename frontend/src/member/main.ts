import '../main.css';
import { createApp } from 'vue';
import b24UiPlugin from '@bitrix24/b24ui-nuxt/vue-plugin';
import Root from './Root.vue';
import { autoFit, fitWindow } from '../frame';

const app = createApp(Root);
app.use(b24UiPlugin);
app.mount('#app');

void fitWindow();
autoFit();
